// The worker's money screens in the Work area (/o/earnings, /o/payouts), under the area's tabs. A chunk of its
// own beside the Work area's: these screens read the server, not the device.
import { Route, Switch } from 'wouter';
import { OperatorTabs } from '../operator/operator-tabs';
import { EarningsPage } from './earnings-page';
import { PayoutsPage } from './payouts-page';

export default function OperatorMoneyArea() {
  return (
    <div className="operator-area">
      <OperatorTabs />
      <Switch>
        <Route path="/earnings">
          <EarningsPage />
        </Route>
        <Route path="/payouts">
          <PayoutsPage />
        </Route>
      </Switch>
    </div>
  );
}
