import type { LinkProps } from "@tanstack/react-router";

export type NavItem = {
  to: NonNullable<LinkProps["to"]>;
  label: string;
};

/** Entries of the left navigation. Only screens that work are listed; the shell handles none. */
export const mainNavigation: NavItem[] = [{ to: "/status", label: "System status" }];
