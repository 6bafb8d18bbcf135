"use client";

import { useState } from "react";

/** Case-insensitive substring search over prompt text, applied on submit. */
export function PromptSearch({ value, onChange }: { value: string | undefined; onChange: (v: string | undefined) => void }) {
  const [draft, setDraft] = useState(value ?? "");
  return (
    <form
      className="prompt-search"
      role="search"
      aria-label="Search prompts"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(draft.trim() || undefined);
      }}
    >
      <label className="field grow">
        <span>Search prompt text</span>
        <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="e.g. summarize" maxLength={200} />
      </label>
      <button type="submit" className="btn">
        Search
      </button>
    </form>
  );
}
