// The root: language, session, and either the sign-in screen or the signed-in app (loaded on demand).
import { lazy, Suspense } from 'react';
import { useT } from '../i18n/i18n';
import { useOpenFromNotification } from '../push/use-open-from-notification';
import { ErrorBoundary } from './error-boundary';
import { appMessages } from './messages';
import { ShellSkeleton } from './shell-skeleton';
import { useSession } from './session';
import { SignInPage } from './sign-in-page';
import { UpdatePrompt } from './update-prompt';

const SignedInApp = lazy(() => import('./signed-in-app'));

export function App() {
  const t = useT(appMessages);
  const { state } = useSession();
  useOpenFromNotification();
  return (
    <>
      {state.status === 'signed-in' ? (
        // The shell's own failures; a screen's are caught inside the shell, which keeps its header then.
        <ErrorBoundary resetKey={state.user.id}>
          <Suspense fallback={<ShellSkeleton label={t('loading')} roles={state.user.roles} />}>
            <SignedInApp key={state.user.id} user={state.user} />
          </Suspense>
        </ErrorBoundary>
      ) : (
        <SignInPage expired={state.reason === 'expired'} />
      )}
      <UpdatePrompt />
    </>
  );
}
