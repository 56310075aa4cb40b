import { Outlet } from "@tanstack/react-router";
import { Toaster } from "@/components/ui/Toaster";

export function RootLayout() {
  return (
    <>
      <Outlet />
      <Toaster />
    </>
  );
}
