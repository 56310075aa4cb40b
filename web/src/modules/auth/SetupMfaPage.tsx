import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/Button";
import { Spinner } from "@/components/ui/Spinner";
import { auth } from "@/lib/auth/auth";
import { meQueryOptions } from "@/lib/auth/me";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { MfaEnrolment, RecoveryCodes } from "@/modules/account/MfaEnrolment";
import { AuthCard } from "./AuthCard";

/**
 * The organisation requires MFA of this role and the user has none yet: the session can do
 * nothing else until they enrol (the server refuses every other call).
 */
export function SetupMfaPage({ onDone, onSignedOut }: { onDone: () => void; onSignedOut: () => void }) {
  const [codes, setCodes] = useState<string[]>();
  const [continuing, setContinuing] = useState(false);
  const me = useQuery(meQueryOptions());
  const signOut = () => {
    auth.signOut().then(onSignedOut, (error: unknown) => toast(`Couldn't sign out: ${errorMessage(error)}`, "danger"));
  };

  if (codes) {
    return (
      <AuthCard title="Save your recovery codes" description="Two-step verification is on.">
        <RecoveryCodes
          codes={codes}
          doneLabel={continuing ? "Continuing…" : "I saved them, continue"}
          onDone={() => {
            setContinuing(true);
            // A fresh token drops the enrolment requirement from the session.
            void auth.refresh().then((ok) => {
              setContinuing(false);
              if (ok) onDone();
              else toast("Your session ended. Sign in again.", "danger");
            });
          }}
        />
      </AuthCard>
    );
  }

  if (me.isPending) return <Spinner label="Loading…" showLabel />;

  if (me.data?.mfa_enabled) {
    // MFA is on, but this session began without a code (e.g. it came from an invitation link):
    // enrolling again is not possible, signing in with a code is.
    return (
      <AuthCard
        title="Verify with your authenticator"
        description="This organisation requires two-step verification, and this session was started without a code. Sign in again with your password and a code from your authenticator app."
      >
        <Button onClick={signOut}>Sign out and sign in again</Button>
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Set up two-step verification"
      description="Your organisation requires two-step verification (MFA) for your role. Set it up to continue."
      footer={
        <Button variant="ghost" size="sm" onClick={signOut}>
          Sign out
        </Button>
      }
    >
      <MfaEnrolment onEnabled={setCodes} />
    </AuthCard>
  );
}
