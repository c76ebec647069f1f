// A screen that failed to load (a chunk not on the device while offline) or to render: said in place, with
// Reload, while whatever sits around it (the header with Sign out, the status bar) keeps working.
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { useT } from '../i18n/i18n';
import { appMessages } from './messages';

interface Props {
  children: ReactNode;
  /** A change of this (the location) tries the children again: another screen may well work. */
  resetKey: string;
}

interface State {
  failed: boolean;
  resetKey: string;
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failed: false, resetKey: this.props.resetKey };

  static getDerivedStateFromError(): Partial<State> {
    return { failed: true };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey === state.resetKey ? null : { failed: false, resetKey: props.resetKey };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error('a screen failed', error, info.componentStack);
  }

  override render() {
    return this.state.failed ? <ScreenFailed /> : this.props.children;
  }
}

function ScreenFailed() {
  const t = useT(appMessages);
  return (
    <div className="error" role="alert" data-testid="screen-failed">
      <p>{t('screenFailed')}</p>
      <button type="button" className="btn" onClick={() => window.location.reload()}>
        {t('reload')}
      </button>
    </div>
  );
}
