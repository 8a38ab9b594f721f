import { writeFileSync } from 'node:fs';
import { API_TYPES_FILE, apiTypesSource } from './api-types.js';

// `npm run sdk:types`: writes sdk/src/api-types.ts from the server's schemas.
writeFileSync(API_TYPES_FILE, await apiTypesSource());
console.log(`wrote ${API_TYPES_FILE}`);
