import { notFound } from "@tanstack/react-router";
import { can, type Me } from "@/lib/auth/me";
import { PERMISSIONS, type ObjectKey } from "./recordApi";

/** For a list route's beforeLoad: a list the user may not read does not exist for them. */
export function requireList(object: ObjectKey, me: Pick<Me, "permissions">): void {
  if (!can(me, PERMISSIONS[object].read)) throw notFound();
}
