import { createFileRoute } from "@tanstack/react-router";
import { StatusPage } from "@/modules/system/StatusPage";

export const Route = createFileRoute("/status")({
  component: StatusPage,
});
