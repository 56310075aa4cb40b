import { Link, Outlet } from "@tanstack/react-router";

/** The frame of the pages used before signing in: centred card, brand, a link to system status. */
export function AuthLayout() {
  return (
    <div className="flex min-h-dvh flex-col items-center bg-canvas px-4 py-8 sm:justify-center sm:py-12">
      <Link to="/" className="mb-6 flex items-center gap-2 rounded-md px-1 py-1 text-base font-semibold tracking-tight text-fg">
        <img src="/favicon.svg" alt="" className="size-8" width={32} height={32} />
        <span>CliniGlobal CRM</span>
      </Link>
      <main id="main" className="w-full max-w-sm">
        <Outlet />
      </main>
      <footer className="mt-8 text-xs text-fg-subtle">
        <Link to="/status" className="rounded hover:text-fg">
          System status
        </Link>
      </footer>
    </div>
  );
}
