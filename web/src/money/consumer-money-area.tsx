// The client's money screens in the Client area (/c/payments, /c/receipts/:milestoneId): online reads of the server.
import { Route, Switch } from 'wouter';
import { PaymentsPage } from './payments-page';
import { ReceiptPage } from './receipt-page';

export default function ConsumerMoneyArea() {
  return (
    <Switch>
      <Route path="/payments">
        <PaymentsPage />
      </Route>
      <Route path="/receipts/:milestoneId">{(params) => <ReceiptPage key={params.milestoneId} milestoneId={params.milestoneId} />}</Route>
    </Switch>
  );
}
