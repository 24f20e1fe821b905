export * from './statement';
export * from './oms';
export * from './provenance';
