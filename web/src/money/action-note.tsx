// The live lines under an online-only money action: what it is doing now (always in the page, so screen readers
// announce each change), and why it failed.
export function ActionNote({ doing, problem }: { doing: string; problem: string }) {
  return (
    <>
      <p role="status" className={doing ? 'hint' : undefined}>
        {doing}
      </p>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
