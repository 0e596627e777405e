// Placeholder until the screen is built.
export function Settings() {
  return <h1>Settings</h1>;
}
