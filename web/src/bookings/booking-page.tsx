// Placeholder until the booking screen lands.
export default function BookingPage({ id }: { id: string }) {
  return <p>{id}</p>;
}
