// The post step's entry (action.yml runs.post), written by scripts/post-entry.mjs: the main step's bundle.
import './index.js'
