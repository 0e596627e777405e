// Placeholder until the screen is built.
export function Credentials() {
  return <h1>Credentials</h1>;
}
