// Placeholder until the consumer screens land.
export default function ConsumerArea() {
  return <p>consumer</p>;
}
