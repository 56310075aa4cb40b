import { describe, expect, it } from "vitest";
import { ApiError, isApiError, parseErrorBody } from "./ApiError";

describe("parseErrorBody", () => {
  it("reads the backend's {error, detail} body", () => {
    expect(parseErrorBody(404, { error: "not_found", detail: "Contact 42 does not exist" })).toEqual({
      code: "not_found",
      detail: "Contact 42 does not exist",
      issues: [],
    });
  });

  it("parses a raw JSON string body", () => {
    expect(parseErrorBody(409, '{"error":"version_conflict","detail":"Stale version"}')).toMatchObject({
      code: "version_conflict",
      detail: "Stale version",
    });
  });

  it("falls back to a code from the status for FastAPI's default {detail}", () => {
    expect(parseErrorBody(401, { detail: "Not authenticated" })).toMatchObject({
      code: "unauthorized",
      detail: "Not authenticated",
    });
  });

  it("turns a 422 validation list into issues", () => {
    const body = {
      detail: [
        { loc: ["body", "email"], msg: "value is not a valid email address", type: "value_error" },
        { loc: ["query", "limit"], msg: "Input should be less than 200", type: "less_than" },
      ],
    };
    const parsed = parseErrorBody(422, body);
    expect(parsed.code).toBe("validation_error");
    expect(parsed.issues).toEqual([
      { path: "email", message: "value is not a valid email address" },
      { path: "query.limit", message: "Input should be less than 200" },
    ]);
    expect(parsed.detail).toBe("email: value is not a valid email address; query.limit: Input should be less than 200");
  });

  it("keeps an explicit code alongside validation issues", () => {
    expect(parseErrorBody(422, { error: "invalid_payload", detail: [{ loc: ["name"], msg: "required" }] }).code).toBe(
      "invalid_payload",
    );
  });

  it("does not leak a non-JSON body (e.g. a proxy's HTML page)", () => {
    expect(parseErrorBody(502, "<html><body>Bad Gateway</body></html>")).toEqual({
      code: "bad_gateway",
      detail: "The server could not complete the request (HTTP 502).",
      issues: [],
    });
  });

  it("handles empty and unexpected bodies", () => {
    expect(parseErrorBody(500, undefined)).toMatchObject({ code: "internal_error" });
    expect(parseErrorBody(418, "")).toMatchObject({ code: "http_418", detail: "The request failed (HTTP 418)." });
    expect(parseErrorBody(400, [1, 2])).toMatchObject({ code: "bad_request" });
    expect(parseErrorBody(400, { error: "", detail: 7 })).toMatchObject({
      code: "bad_request",
      detail: "The request failed (HTTP 400).",
    });
  });
});

describe("ApiError", () => {
  it("is a typed Error carrying status, code and detail", () => {
    const error = ApiError.fromResponse(403, { error: "forbidden", detail: "Missing permission contacts.read" });
    expect(error).toBeInstanceOf(Error);
    expect(isApiError(error)).toBe(true);
    expect(error.name).toBe("ApiError");
    expect(error.status).toBe(403);
    expect(error.code).toBe("forbidden");
    expect(error.message).toBe("Missing permission contacts.read");
  });

  it("represents network failures with status 0", () => {
    const cause = new TypeError("fetch failed");
    const error = ApiError.network(cause);
    expect(error.status).toBe(0);
    expect(error.code).toBe("network_error");
    expect(error.cause).toBe(cause);
  });

  it("is told apart from other errors", () => {
    expect(isApiError(new Error("x"))).toBe(false);
    expect(isApiError({ code: "not_found" })).toBe(false);
  });
});
