import { useState } from "react";
import { Link } from "@tanstack/react-router";
import { Alert } from "@/components/ui/Alert";
import { auth } from "@/lib/auth/auth";
import { mfaTokenFromHash } from "@/lib/auth/search";
import { useAuthState } from "@/lib/auth/useAuth";
import { AuthCard } from "./AuthCard";
import { MfaStep } from "./MfaStep";
import { PasswordStep } from "./PasswordStep";
import { ssoErrorMessage } from "./ssoErrors";
import { SsoSignIn } from "./SsoSignIn";

export type SignInPageProps = {
  /** Called once the user holds a session. */
  onSignedIn: () => void;
  /** Why a single sign-on failed (`?sso_error=`). */
  ssoError?: string | undefined;
  /** The organisation whose single sign-on to offer (`?org=`). */
  organization?: string | undefined;
};

/** An SSO sign-in that still needs the TOTP step arrives as `#mfa_token=…`; taken once, then cleared. */
function initialStep(): Step {
  const token = mfaTokenFromHash(location.hash);
  if (token === null) return { kind: "password" };
  history.replaceState(history.state, "", location.pathname + location.search);
  return { kind: "mfa", mfaToken: token, email: null };
}

type Step = { kind: "password"; notice?: string } | { kind: "mfa"; mfaToken: string; email: string | null };

export function SignInPage({ onSignedIn, ssoError, organization }: SignInPageProps) {
  const [step, setStep] = useState<Step>(initialStep);
  const state = useAuthState();
  const expired = state.status === "signed_out" && state.reason === "expired";

  if (step.kind === "mfa") {
    return (
      <AuthCard
        title="Two-step verification"
        description={step.email ? `Enter the code from your authenticator app for ${step.email}.` : "Enter the code from your authenticator app to finish signing in."}
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
      ) : ssoError ? (
        <Alert tone="danger" title="Single sign-on failed" data-sso-error={ssoError}>
          {ssoErrorMessage(ssoError)}
        </Alert>
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
      <div className="flex items-center gap-3 text-xs text-fg-subtle" aria-hidden="true">
        <span className="h-px flex-1 bg-border" />
        or
        <span className="h-px flex-1 bg-border" />
      </div>
      <SsoSignIn organization={organization} />
    </AuthCard>
  );
}
