/**
 * What a pickle may import. A pickle is SAFE only if every global it imports is listed
 * here (or added by the deployer by exact name), and every call and BUILD applies only
 * those. The list follows what torch.load(weights_only=True) accepts for state dicts,
 * plus numpy's array reconstruction (np.save of object arrays, joblib) and joblib's
 * array wrapper. Names are "module:qualname", compared exactly.
 *
 * DANGEROUS_* only decides how a refusal is worded (DANGEROUS = known code execution
 * vs UNSAFE_UNKNOWN = not on the allowlist); both are refused.
 */

const TORCH_DTYPES = [
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'complex32', 'chalf', 'complex64', 'cfloat',
  'complex128', 'cdouble', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'short', 'int32', 'int', 'int64', 'long',
  'bool', 'quint8', 'qint8', 'qint32', 'quint4x2', 'quint2x4', 'float8_e4m3fn', 'float8_e5m2', 'float8_e4m3fnuz',
  'float8_e5m2fnuz', 'float8_e8m0fnu', 'float4_e2m1fn_x2', 'bits1x8', 'bits2x4', 'bits4x2', 'bits8', 'bits16',
  'int1', 'int2', 'int3', 'int4', 'int5', 'int6', 'int7', 'uint1', 'uint2', 'uint3', 'uint4', 'uint5', 'uint6', 'uint7',
];
const TORCH_STORAGES = [
  'FloatStorage', 'DoubleStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage', 'IntStorage', 'ShortStorage',
  'CharStorage', 'ByteStorage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage', 'QUInt8Storage',
  'QInt8Storage', 'QInt32Storage', 'QUInt4x2Storage', 'QUInt2x4Storage', 'UntypedStorage',
];
const TORCH_REBUILD = [
  '_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3', '_rebuild_parameter', '_rebuild_parameter_with_state',
  '_rebuild_sparse_tensor', '_rebuild_nested_tensor', '_rebuild_qtensor', '_rebuild_meta_tensor_no_storage',
  '_rebuild_device_tensor_from_numpy', '_rebuild_device_tensor_from_cpu_tensor', '_rebuild_wrapper_subclass',
];

export const DEFAULT_ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  'collections:OrderedDict',
  'collections:Counter',
  'builtins:set',
  'builtins:frozenset',
  'builtins:bytearray',
  'builtins:complex',
  'builtins:slice',
  '_codecs:encode', // how protocol-2 pickles spell bytes: _codecs.encode('…', 'latin1')
  'torch:Size',
  'torch:Tensor',
  'torch:device',
  'torch:strided',
  'torch:sparse_coo',
  'torch:sparse_csr',
  'torch:sparse_csc',
  'torch:sparse_bsr',
  'torch:sparse_bsc',
  'torch:contiguous_format',
  'torch:channels_last',
  'torch:channels_last_3d',
  'torch:preserve_format',
  'torch:per_tensor_affine',
  'torch:per_channel_affine',
  'torch:per_tensor_symmetric',
  'torch:per_channel_symmetric',
  'torch:per_channel_affine_float_qparams',
  'torch.nn.parameter:Parameter',
  'torch.serialization:_get_layout',
  'torch._tensor:_rebuild_from_type_v2',
  'torch.storage:UntypedStorage',
  'torch.storage:TypedStorage',
  ...TORCH_DTYPES.map((d) => `torch:${d}`),
  ...TORCH_STORAGES.map((s) => `torch:${s}`),
  ...TORCH_REBUILD.map((f) => `torch._utils:${f}`),
  // numpy arrays and scalars (numpy 1.x and 2.x module names)
  'numpy:ndarray',
  'numpy:dtype',
  'numpy.core.multiarray:_reconstruct',
  'numpy._core.multiarray:_reconstruct',
  'numpy.core.multiarray:scalar',
  'numpy._core.multiarray:scalar',
  'numpy.core.numeric:_frombuffer', // protocol-5 pickles of arrays: np.frombuffer(...).reshape(...)
  'numpy._core.numeric:_frombuffer',
  // joblib's wrapper for arrays written inline after the pickle's BUILD
  'joblib.numpy_pickle:NumpyArrayWrapper',
]);

/** Instances made by these may be the target of BUILD (their __setstate__ / __dict__ is theirs). */
export const BUILDABLE: ReadonlySet<string> = new Set([
  'collections:OrderedDict',
  'collections:Counter',
  'torch:Tensor',
  'torch.nn.parameter:Parameter',
  'torch._tensor:_rebuild_from_type_v2',
  ...TORCH_REBUILD.map((f) => `torch._utils:${f}`),
  'numpy:ndarray',
  'numpy:dtype',
  'numpy.core.multiarray:_reconstruct',
  'numpy._core.multiarray:_reconstruct',
  'joblib.numpy_pickle:NumpyArrayWrapper',
]);

/** Modules every global of which can run code, spawn processes, or reach files or the network. */
const DANGEROUS_MODULES = [
  'os', 'posix', 'nt', 'posixpath', 'ntpath', 'subprocess', 'sys', 'shutil', 'socket', 'runpy', 'importlib', 'pty', 'commands',
  'ctypes', 'multiprocessing', 'code', 'codeop', 'pdb', 'bdb', 'webbrowser', 'marshal', 'pickle', '_pickle', 'cPickle',
  'pickletools', 'shelve', 'dill', 'cloudpickle', 'joblib', 'asyncio', 'http', 'urllib', 'urllib2', 'requests', 'ftplib',
  'smtplib', 'telnetlib', 'xmlrpc', 'tempfile', 'pathlib', 'glob', 'signal', 'threading', '_thread', 'platform',
  'zipimport', 'pkgutil', 'timeit', 'types', 'inspect', 'gc', 'site', 'distutils', 'setuptools', 'pip', 'venv', 'cProfile',
  'profile', 'trace', 'doctest', 'unittest', 'idlelib', 'lib2to3', 'pydoc', 'imp', 'uuid', 'sqlite3', 'logging', 'io',
  '_io', 'fileinput', 'tarfile', 'zipfile', 'builtins', '__builtin__', '_posixsubprocess', 'operator', '_operator',
  'functools', 'torch.hub', 'torch.jit', 'torch.package', 'torch._dynamo', 'torch._inductor', 'torch.utils.cpp_extension',
  'numpy.testing', 'numpy.f2py', 'numpy.distutils', 'keras', 'tensorflow',
];
/** Names in otherwise harmless modules that can run code (anything reaching eval/exec/import). */
const DANGEROUS_NAMES = new Set([
  'copyreg:_reconstructor', 'copy_reg:_reconstructor', 'copyreg:__newobj__', 'copyreg:__newobj_ex__',
  'numpy:load', 'numpy:fromfile', 'numpy:save', 'numpy.lib.npyio:load', 'torch:load', 'torch:save', 'torch.serialization:load',
  'torch.storage:_load_from_bytes', // pickle.dumps(tensor): runs torch.load(weights_only=False) on embedded bytes
  'torch:hub', 'torch:jit', 'torch:compile', 'torch:_C', 'torch:ops', 'torch:classes', 'torch:package',
]);

/** builtins that are safe and harmless but not needed by checkpoints: still refused (unknown), never "dangerous". */
const HARMLESS_BUILTINS = new Set(['set', 'frozenset', 'bytearray', 'complex', 'slice', 'int', 'float', 'str', 'bytes', 'list', 'dict', 'tuple', 'bool', 'range', 'object']);

export function globalId(module: string, name: string): string {
  return `${module}:${name}`;
}

/** Whether importing or calling `module.name` is known to run code (or reach files, processes, the network). */
export function isDangerousGlobal(module: string, name: string): boolean {
  if (DANGEROUS_NAMES.has(globalId(module, name))) return true;
  if ((module === 'builtins' || module === '__builtin__') && HARMLESS_BUILTINS.has(name)) return false;
  // A dotted path (module "torch", name "serialization.os.system") reaches whatever its parts name.
  const parts = [...module.split('.'), ...name.split('.')];
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('.');
    if (DANGEROUS_MODULES.includes(prefix)) return true;
  }
  if (name.includes('.')) {
    const segs = name.split('.');
    if (segs.some((s) => DANGEROUS_MODULES.includes(s) || ['eval', 'exec', 'system', 'popen', '__import__', 'getattr', 'compile', 'open', 'load', 'loads'].includes(s))) return true;
  }
  return false;
}

/**
 * Python 3's fix_imports for protocol 0-2 pickles (Lib/_compat_pickle.py): the module
 * renames that make Python-2 spelled names resolve to an allowlisted global.
 * Only renames that land on allowlisted modules are needed; any other name stays
 * as written and is judged as written (unknown or dangerous).
 */
const COMPAT_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };
export function fixImports(module: string, name: string, protocol: number): [string, string] {
  if (protocol < 3 && module in COMPAT_MODULES) return [COMPAT_MODULES[module], name];
  return [module, name];
}
