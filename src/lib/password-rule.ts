// Password length bounds, shared by the forms, the input schemas and the hasher. 12 characters is
// the floor NIST SP 800-63B suggests for memorised secrets without composition rules; the cap
// keeps request bodies and hashing work bounded (scrypt hashes any length, a DoS does not need to).
export const PASSWORD_RULE = { min: 12, max: 128 } as const;
