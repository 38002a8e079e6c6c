#!/usr/bin/env node
// The `casebot` command: runs the TypeScript CLI through tsx, so no build step stands between a clone and a run.
import { register } from "tsx/esm/api";

register();
await import("../cli/casebot.ts");
