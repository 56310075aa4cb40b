import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createMemoryHistory, createRootRoute, createRouter, RouterProvider } from "@tanstack/react-router";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { vi } from "vitest";

/** Renders a screen inside a memory router and a fresh query client, as the app does. */
export function renderScreen(ui: ReactNode) {
  const rootRoute = createRootRoute({ component: () => ui });
  const router = createRouter({ routeTree: rootRoute, history: createMemoryHistory({ initialEntries: ["/"] }) });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return {
    queryClient,
    ...render(
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>,
    ),
  };
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

/**
 * Stubs fetch (the network boundary): each "METHOD /path" answers with its queue of replies (the
 * last one repeats). Returns the recorded requests with their parsed JSON bodies.
 */
export function stubApi(routes: Record<string, Reply | Reply[]>) {
  const requests: Array<{ method: string; path: string; url: URL; body: unknown; headers: Headers }> = [];
  const queues = new Map(Object.entries(routes).map(([key, value]) => [key, Array.isArray(value) ? [...value] : [value]]));
  const fetchMock = vi.fn(async (request: Request) => {
    const url = new URL(request.url);
    const text = await request.text();
    requests.push({ method: request.method, path: url.pathname, url, body: text ? JSON.parse(text) : undefined, headers: request.headers });
    const queue = queues.get(`${request.method} ${url.pathname}`);
    const reply = queue && (queue.length > 1 ? queue.shift() : queue[0]);
    if (!reply) throw new Error(`no reply for ${request.method} ${url.pathname}`);
    if (reply instanceof Error) throw reply;
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status,
      headers: { "Content-Type": "application/json", ...reply.headers },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { fetchMock, requests, sent: (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path) };
}

export function tokenReply(overrides: Record<string, unknown> = {}, status = 200): Reply {
  return {
    status,
    body: {
      status: "signed_in",
      access_token: "test-access-token",
      token_type: "Bearer",
      expires_at: new Date(Date.now() + 900_000).toISOString(),
      organization_id: "00000000-0000-4000-8000-000000000001",
      role: "admin",
      mfa_enrollment_required: false,
      ...overrides,
    },
  };
}
