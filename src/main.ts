import * as core from '@actions/core'
import { describeError } from './errors.js'
import { readInputs } from './inputs.js'

export async function run(): Promise<void> {
  try {
    const inputs = readInputs()
    core.info(`trigger: ${inputs.trigger}`)
  } catch (err) {
    core.setOutput('status', 'failed')
    core.setFailed(describeError(err))
  }
}
