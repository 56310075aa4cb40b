import { describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api/ApiError";
import { applyApiError, errorMessage, sentence } from "./apiErrors";

type Values = { email: string; password: string };

describe("applyApiError", () => {
  it("places an error by its code", () => {
    const setError = vi.fn();
    const error = ApiError.fromResponse(400, { error: "weak_password", detail: "password must be at least 12 characters" });
    applyApiError<Values>(error, setError, { weak_password: "password" }, ["email", "password"]);
    expect(setError).toHaveBeenCalledWith(
      "password",
      { type: "server", message: "Password must be at least 12 characters." },
      { shouldFocus: true },
    );
  });

  it("places 422 issues on their fields and the rest at the form level", () => {
    const setError = vi.fn();
    const error = ApiError.fromResponse(422, {
      detail: [
        { loc: ["body", "email"], msg: "value is not a valid email address" },
        { loc: ["body", "organization_id"], msg: "Input should be a valid UUID" },
      ],
    });
    applyApiError<Values>(error, setError, {}, ["email", "password"]);
    expect(setError).toHaveBeenCalledWith("email", { type: "server", message: "Value is not a valid email address." });
    expect(setError).toHaveBeenCalledWith("root.server", {
      type: "server",
      message: "Organization_id: Input should be a valid UUID.",
    });
  });

  it("puts unknown codes and non-API errors at the form level", () => {
    const setError = vi.fn();
    applyApiError<Values>(ApiError.fromResponse(429, { error: "rate_limited", detail: "too many attempts; try again later" }), setError);
    applyApiError<Values>(new Error("boom"), setError);
    expect(setError).toHaveBeenNthCalledWith(1, "root.server", { type: "server", message: "Too many attempts; try again later." });
    expect(setError).toHaveBeenNthCalledWith(2, "root.server", { type: "server", message: "Something went wrong. Try again." });
  });
});

describe("messages", () => {
  it("turns terse details into sentences", () => {
    expect(sentence("that code is not valid")).toBe("That code is not valid.");
    expect(sentence("Already fine!")).toBe("Already fine!");
    expect(errorMessage(ApiError.network(new TypeError("x")))).toBe("Could not reach the server. Check your connection and try again.");
  });
});
