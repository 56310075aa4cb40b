/** How the permission matrix reads to a person. Unknown resources (added by later features) get a humanised name. */
const resourceLabels: Record<string, string> = {
  organization: "Organisation",
  users: "Members",
  invitations: "Invitations",
  teams: "Teams",
  roles: "Roles & permissions",
  sessions: "Others' sessions",
  api_keys: "API keys",
  flags: "Feature flags",
  audit: "Audit log",
  outbox: "E-mail outbox",
  jobs: "Background jobs",
};

const scopeLabels: Record<string, string> = {
  none: "None",
  own: "Own",
  team: "Team",
  all: "All",
};

/** What each scope reaches, for the legend under the matrix. */
export const scopeDescriptions: Record<string, string> = {
  all: "every record of the organisation",
  team: "records owned by members of their teams",
  own: "records they own",
  none: "no access",
};

export const ACTION_ORDER = ["read", "create", "update", "delete", "export", "manage"];

export function resourceLabel(resource: string): string {
  return resourceLabels[resource] ?? humanise(resource);
}

export function scopeLabel(scope: string): string {
  return scopeLabels[scope] ?? humanise(scope);
}

export function actionLabel(action: string): string {
  return humanise(action);
}

function humanise(value: string): string {
  const words = value.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
