// The admin's money screens (/a/disputes, /a/disputes/:id, /a/audit, /a/settlement) under the area's tabs. A chunk
// of its own beside the admin area's: these screens read the server, not the device.
import { Route, Switch } from 'wouter';
import { AdminTabs } from './admin-tabs';
import { AuditPage } from './audit-page';
import { DisputePage } from './dispute-page';
import { DisputesPage } from './disputes-page';
import { SettlementPage } from './settlement-page';
import './admin.css';
import '../money/money.css';

export default function AdminMoneyArea() {
  return (
    <div className="admin">
      <AdminTabs />
      <Switch>
        <Route path="/disputes">
          <DisputesPage />
        </Route>
        <Route path="/disputes/:id">{(params) => <DisputePage key={params.id} id={params.id} />}</Route>
        <Route path="/audit">
          <AuditPage />
        </Route>
        <Route path="/settlement">
          <SettlementPage />
        </Route>
      </Switch>
    </div>
  );
}
