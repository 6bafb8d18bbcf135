"use client";

import { useState } from "react";

/** Free-text user id, applied on Enter or when the field loses focus (not on every keystroke). */
export function UserFilter({ value, onChange }: { value: string | undefined; onChange: (v: string | undefined) => void }) {
  return <TextFilter label="User" placeholder="user id" value={value} onChange={onChange} />;
}

/** A free-text filter (user, tag, metadata key=value), applied on Enter or blur. */
export function TextFilter({ label, placeholder, value, onChange }: { label: string; placeholder: string; value: string | undefined; onChange: (v: string | undefined) => void }) {
  const [draft, setDraft] = useState(value ?? "");
  const apply = () => {
    const v = draft.trim() || undefined;
    if (v !== value) onChange(v);
  };
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="search"
        placeholder={placeholder}
        aria-label={label}
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
