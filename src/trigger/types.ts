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
