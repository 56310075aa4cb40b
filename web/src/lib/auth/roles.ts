export const ROLES = ["admin", "sales", "marketing", "support"] as const;
export type RoleName = (typeof ROLES)[number];

const roleLabels: Record<string, string> = {
  admin: "Admin",
  sales: "Sales",
  marketing: "Marketing",
  support: "Support",
};

export function roleLabel(role: string): string {
  return roleLabels[role] ?? role.charAt(0).toUpperCase() + role.slice(1);
}
