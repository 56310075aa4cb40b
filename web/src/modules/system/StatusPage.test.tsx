import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StatusPage } from "./StatusPage";

type Reply = { status: number; body: unknown } | Error;

/** Stubs fetch (the network boundary) with a queue of replies; the last one repeats. */
function stubFetch(...replies: Reply[]) {
  const requests: Request[] = [];
  const fetchMock = vi.fn((request: Request) => {
    requests.push(request);
    const reply = replies.length > 1 ? replies.shift() : replies[0];
    if (reply === undefined) throw new Error("no reply configured");
    if (reply instanceof Error) return Promise.reject(reply);
    const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    const contentType = typeof reply.body === "string" ? "text/html" : "application/json";
    return Promise.resolve(new Response(body, { status: reply.status, headers: { "Content-Type": contentType } }));
  });
  vi.stubGlobal("fetch", fetchMock);
  return { fetchMock, requests };
}

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <StatusPage />
    </QueryClientProvider>,
  );
}

function checkRow(name: string): HTMLElement {
  const row = document.querySelector<HTMLElement>(`[data-check="${name}"]`);
  if (!row) throw new Error(`no row for check ${name}`);
  return row;
}

const ready = {
  status: 200,
  body: { status: "ready", checks: { database: "ok", jobs: "ok (1 worker)", cache: "ok" } },
};
const degraded = {
  status: 503,
  body: { status: "not_ready", checks: { database: "unavailable", cache: "ok" } },
};

afterEach(() => {
  vi.useRealTimers();
});

describe("StatusPage", () => {
  it("shows a loading state, then every check with its badge when ready", async () => {
    const { requests } = stubFetch(ready);
    renderPage();

    expect(within(screen.getByRole("status")).getByText("Checking system status…")).toBeInTheDocument();
    expect(await screen.findByText("All systems operational")).toBeInTheDocument();

    expect(within(checkRow("database")).getByText("ok")).toBeInTheDocument();
    expect(within(checkRow("jobs")).getByText("ok (1 worker)")).toBeInTheDocument();
    expect(within(checkRow("cache")).getByText("ok")).toBeInTheDocument();
    expect(screen.getByText("Database")).toBeInTheDocument();
    expect(screen.getByText("Background jobs")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    expect(requests).toHaveLength(1);
    expect(requests[0]?.method).toBe("GET");
    expect(new URL(requests[0]?.url ?? "").pathname).toBe("/readyz");
  });

  it("shows the degraded state and the failing check from a 503 readiness body", async () => {
    stubFetch(degraded);
    renderPage();

    expect(await screen.findByText("Degraded")).toBeInTheDocument();
    expect(screen.getByText("1 of 2 checks failing: database.")).toBeInTheDocument();
    const badge = within(checkRow("database")).getByText("unavailable");
    expect(badge).toHaveAttribute("data-status", "unavailable");
    expect(badge.className).toContain("text-danger");
    expect(within(checkRow("cache")).getByText("ok")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("flags a non-ok check of a ready backend as a warning, not an outage", async () => {
    stubFetch({ status: 200, body: { status: "ready", checks: { database: "ok", jobs: "no worker", cache: "skipped" } } });
    renderPage();

    expect(await screen.findByText("Operational, with warnings")).toBeInTheDocument();
    expect(screen.getByText("1 of 3 checks need attention: jobs.")).toBeInTheDocument();
    expect(within(checkRow("jobs")).getByText("no worker").className).toContain("text-warning");
    expect(within(checkRow("cache")).getByText("skipped").className).toContain("text-neutral");
  });

  it("shows the API error and retries on request", async () => {
    const { fetchMock } = stubFetch(
      { status: 500, body: { error: "internal_error", detail: "Readiness probe crashed" } },
      ready,
    );
    renderPage();

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("Couldn't load system status")).toBeInTheDocument();
    expect(within(alert).getByText(/Readiness probe crashed/)).toBeInTheDocument();
    expect(within(alert).getByText("(internal_error)")).toBeInTheDocument();

    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("All systems operational")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("shows a network failure as an error, not as a degraded system", async () => {
    stubFetch(new TypeError("fetch failed"));
    renderPage();

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText(/Could not reach the server/)).toBeInTheDocument();
    expect(within(alert).getByText("(network_error)")).toBeInTheDocument();
    expect(screen.queryByText("Degraded")).not.toBeInTheDocument();
  });

  it("refreshes every 10 seconds and keeps the last results when a refresh fails", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { fetchMock } = stubFetch(ready, degraded, { status: 502, body: "<html>Bad Gateway</html>" });
    renderPage();
    expect(await screen.findByText("All systems operational")).toBeInTheDocument();

    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(await screen.findByText("Degraded")).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(2);

    await act(() => vi.advanceTimersByTimeAsync(10_000));
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("The latest refresh failed")).toBeInTheDocument();
    expect(within(alert).getByText("(bad_gateway)")).toBeInTheDocument();
    expect(screen.getByText("Degraded")).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(3);
  });
});
