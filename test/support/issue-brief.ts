import type { Issue } from '../../lambda/core/issue.js';

/** Where an issue points and what it is, without its message: what location tests compare. */
export const briefIssue = (issue: Issue) => ({
  code: issue.code,
  line: issue.line,
  column: issue.column,
  field: issue.field,
});
