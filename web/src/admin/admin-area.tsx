// Placeholder until the admin screens land.
export default function AdminArea() {
  return <p>admin</p>;
}
