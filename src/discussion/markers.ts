/**
 * The hidden markers in the action's own comments. The tracking comment is found and replaced by its marker;
 * a clarification question carries its own, so the next run passes it to the model as discussion (what it
 * asked) while every other comment of the action is left out.
 */
export const TRACKING_MARKER = '<!-- implement-action:tracking -->'
export const QUESTION_MARKER = '<!-- implement-action:question -->'
