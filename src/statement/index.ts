export * from './statement';
export * from './oms';
export * from './test-result';
export * from './provenance';
