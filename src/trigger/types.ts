/** What the event asks for, before authorization and spec resolution. */
export interface Command {
  /** Issue ids, in order. More than one means fan-out (one workflow_dispatch per id). */
  issueIds: string[]
  /** Spec argument from the command, if given (seed's order: `/implement docs/specs/x.md ISSUE-3 notes`). */
  specArg?: string
  notes: string
}

export type Trigger =
  | { kind: 'skip'; reason: string }
  | {
      kind: 'comment'
      command: Command
      issueNumber: number
      commentId: number
      commentCreatedAt: string
      actor: { login: string; type: string; id?: number }
    }
  | {
      /** A command on a pull request: a review iteration of the phase on its head branch. */
      kind: 'pull'
      /** Where the command was written: the PR's conversation, a submitted review, or a review comment. */
      source: 'comment' | 'review' | 'review-comment'
      command: Command
      pullNumber: number
      /** The text the command is in, as the event carried it (the ids are read again against the head). */
      body: string
      /** The issue comment (`comment`) or review comment (`review-comment`) with the command. */
      commentId?: number
      /** The review with the command (`review`). */
      reviewId?: number
      /** When the command was posted: later comments, and comments edited later, are not feedback. */
      createdAt: string
      actor: { login: string; type: string; id?: number }
    }
  | {
      kind: 'dispatch'
      command: Command
      /** The issue to report on, when known (a number from the payload or an `issue-number` input). */
      issueNumber?: number
      /**
       * The command comment a fan-out run came from (`comment-id` input): the run takes its cutoff for earlier
       * comments and its requester from that comment, as a run started by the comment itself would.
       */
      commentId?: number
      actor: { login: string; type: string; id?: number }
    }

/** A command about a phase named by id: from an issue comment or a dispatch (not a review iteration). */
export type PhaseCommand = Extract<Trigger, { kind: 'comment' | 'dispatch' }>
