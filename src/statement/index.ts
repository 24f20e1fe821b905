export * from './statement';
export * from './oms';
