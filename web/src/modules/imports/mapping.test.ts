import { describe, expect, it } from "vitest";
import { fieldLabel, initialMapping, mappingProblems, toApiMapping } from "./mapping";

const fields = [
  { key: "first_name", description: "first name", multiple: false },
  { key: "email", description: "e-mail address(es); several columns", multiple: true },
  { key: "date_of_birth", description: "date of birth (YYYY-MM-DD, DD.MM.YYYY)", multiple: false },
  { key: "owner", description: "owner: a member's e-mail address", multiple: false },
];

describe("import mapping", () => {
  it("starts from the server's suggestion and sends unmapped columns as null", () => {
    const values = initialMapping([
      { header: "First", target: "first_name" },
      { header: "Notes", target: null },
    ]);
    expect(values).toEqual({ First: "first_name", Notes: "" });
    expect(toApiMapping(values)).toEqual({ First: "first_name", Notes: null });
  });

  it("flags a single-column field chosen twice on the second column only", () => {
    const problems = mappingProblems({ First: "first_name", Given: "first_name", Mail: "email", Mail2: "email" }, fields);
    expect(Object.keys(problems.columns)).toEqual(["Given"]);
    expect(problems.columns.Given).toContain("First");
    expect(problems.form).toBeUndefined();
  });

  it("asks for at least one mapped column", () => {
    expect(mappingProblems({ A: "", B: "" }, fields).form).toMatch(/at least one column/);
  });

  it("names fields by the head of their description", () => {
    expect(fieldLabel(fields, "date_of_birth")).toBe("Date of birth");
    expect(fieldLabel(fields, "owner")).toBe("Owner");
    expect(fieldLabel(fields, "email")).toBe("E-mail address");
    expect(fieldLabel(fields, "cf.unknown")).toBe("cf.unknown");
  });
});
