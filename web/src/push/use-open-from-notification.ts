// A tap on a notification while the app is open: the service worker asks this window to show the page, which
// it does in place, without reloading (web/sw/push-sw.ts loads the page itself when no answer comes).
import { useEffect } from 'react';
import { useLocation } from 'wouter';
import { isOpenMessage } from './open-path';

export function useOpenFromNotification(): void {
  const [, navigate] = useLocation();
  useEffect(() => {
    if (!('serviceWorker' in navigator)) return;
    const container = navigator.serviceWorker;
    const onMessage = (event: MessageEvent) => {
      if (!isOpenMessage(event.data)) return;
      navigate(event.data.path);
      event.ports[0]?.postMessage('shown');
    };
    container.addEventListener('message', onMessage);
    return () => container.removeEventListener('message', onMessage);
  }, [navigate]);
}
