import { createFileRoute } from "@tanstack/react-router";
import { AdaptiveShell } from "@/components/layout/AdaptiveShell";
import { StatusPage } from "@/modules/system/StatusPage";

// Open to everyone: operators check it before anyone can sign in.
export const Route = createFileRoute("/status")({
  component: function StatusRoute() {
    return (
      <AdaptiveShell>
        <StatusPage />
      </AdaptiveShell>
    );
  },
});
