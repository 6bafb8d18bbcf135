export const THEME_STORAGE_KEY = "acp-theme";

/** Runs before the first paint (root layout) so a stored light/dark choice never flashes. */
export const THEME_SCRIPT = `try{var t=localStorage.getItem("${THEME_STORAGE_KEY}");if(t==="light"||t==="dark")document.documentElement.dataset.theme=t}catch(e){}`;
