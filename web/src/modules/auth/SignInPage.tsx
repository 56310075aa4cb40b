import { useState } from "react";
import { Link } from "@tanstack/react-router";
import { Alert } from "@/components/ui/Alert";
import { auth } from "@/lib/auth/auth";
import { useAuthState } from "@/lib/auth/useAuth";
import { AuthCard } from "./AuthCard";
import { MfaStep } from "./MfaStep";
import { PasswordStep } from "./PasswordStep";

export type SignInPageProps = {
  /** Called once the user holds a session. */
  onSignedIn: () => void;
};

type Step = { kind: "password"; notice?: string } | { kind: "mfa"; mfaToken: string; email: string };

export function SignInPage({ onSignedIn }: SignInPageProps) {
  const [step, setStep] = useState<Step>({ kind: "password" });
  const state = useAuthState();
  const expired = state.status === "signed_out" && state.reason === "expired";

  if (step.kind === "mfa") {
    return (
      <AuthCard
        title="Two-step verification"
        description={`Enter the code from your authenticator app for ${step.email}.`}
        footer={
          <button
            type="button"
            className="cursor-pointer rounded font-medium text-accent hover:underline"
            onClick={() => setStep({ kind: "password" })}
          >
            Use another account
          </button>
        }
      >
        <MfaStep
          onVerify={async (code) => {
            await auth.verifyMfa({ mfa_token: step.mfaToken, code });
            onSignedIn();
          }}
          onExpired={() => setStep({ kind: "password", notice: "The sign-in step expired. Sign in again." })}
        />
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Sign in"
      description="Welcome back to CliniGlobal CRM."
      footer={
        <>
          New to CliniGlobal?{" "}
          <Link to="/sign-up" className="rounded font-medium text-accent hover:underline">
            Create an organisation
          </Link>
        </>
      }
    >
      {step.notice ? (
        <Alert tone="warning">{step.notice}</Alert>
      ) : (
        expired && <Alert tone="info">Your session has ended. Sign in again to continue.</Alert>
      )}
      <PasswordStep
        onSubmit={async (values) => {
          const result = await auth.signIn(values);
          if (result.status === "mfa_required") {
            setStep({ kind: "mfa", mfaToken: result.mfaToken, email: values.email });
          } else {
            onSignedIn();
          }
        }}
      />
    </AuthCard>
  );
}
