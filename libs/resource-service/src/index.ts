export { resourceServiceImports, type ResourceServiceOptions } from './lib/resource-service';
export { verifierConfigShape, authVerifyOptionsFrom, type VerifierConfig } from './lib/verifier-config';
