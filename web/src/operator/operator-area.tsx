// Placeholder until the operator screens land.
export default function OperatorArea() {
  return <p>operator</p>;
}
