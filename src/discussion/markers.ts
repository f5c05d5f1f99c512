/**
 * The hidden markers in the action's own comments. The tracking comment is found and replaced by its marker;
 * a clarification question carries its own, so the next run passes it to the model as discussion (what it
 * asked) while every other comment of the action is left out. The reply to commands superseded before their
 * run started has its own, so nothing mistakes it for a run's tracking comment.
 */
export const TRACKING_MARKER = '<!-- implement-action:tracking -->'
export const QUESTION_MARKER = '<!-- implement-action:question -->'
export const SUPERSEDED_MARKER = '<!-- implement-action:superseded -->'
