import { AuthClient } from "./AuthClient";
import { readCookie } from "./cookies";

/** The one session of this tab. */
export const auth = new AuthClient({ baseUrl: location.origin, readCookie: (name) => readCookie(name) });
