export interface TemplateFrontmatter {
  'argument-hint'?: string
  description?: string
  model?: string
  'allowed-tools'?: string | string[]
  [key: string]: unknown
}

export interface Template {
  /** Where it came from: a repo-relative path, or "(bundled default)". */
  origin: string
  frontmatter: TemplateFrontmatter
  body: string
}

export interface PromptArgs {
  specName: string
  issueId: string
  notes: string
}
