#!/usr/bin/env node
// CDK app entry: one stack, composed in lib/finops-gateway-stack.ts.
