/**
 * `text` cut to at most `max` UTF-16 units with an ellipsis after it, never between the two halves of
 * a surrogate pair; `text` itself when it fits. The pages and charts state cells through it, so that
 * a cell of any length costs them a bounded number of bytes; the files keep every character.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}
