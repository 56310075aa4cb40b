import { Outlet } from "@tanstack/react-router";
import { SectionLayout } from "@/components/layout/SectionLayout";

const items = [
  { to: "/account/profile", label: "Profile" },
  { to: "/account/security", label: "Security & MFA" },
  { to: "/account/sessions", label: "Sessions & devices" },
] as const;

export function AccountLayout() {
  return (
    <SectionLayout title="Your account" description="Your profile, two-step verification and signed-in devices." navLabel="Account" items={[...items]}>
      <Outlet />
    </SectionLayout>
  );
}
