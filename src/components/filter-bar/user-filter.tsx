"use client";

import { useState } from "react";

/** Free-text user id, applied on Enter or when the field loses focus (not on every keystroke). */
export function UserFilter({ value, onChange }: { value: string | undefined; onChange: (v: string | undefined) => void }) {
  const [draft, setDraft] = useState(value ?? "");
  const apply = () => {
    const v = draft.trim() || undefined;
    if (v !== value) onChange(v);
  };
  return (
    <label className="field">
      <span>User</span>
      <input
        type="search"
        placeholder="user id"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === "Enter") apply();
        }}
        size={12}
      />
    </label>
  );
}
