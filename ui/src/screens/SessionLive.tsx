// Placeholder until the screen is built.
export function SessionLive({ sessionId }: { sessionId: string }) {
  return <h1>Session {sessionId}</h1>;
}
