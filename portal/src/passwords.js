// The password rule people see while typing; the accounts service checks the same rule again
// (services/accounts/domain): at least 8 characters, with letters and digits.
export const PASSWORD_RULES = [
  { required: true, message: '请输入密码', trigger: 'blur' },
  { min: 8, max: 128, message: '密码长度为 8 到 128 个字符', trigger: 'blur' },
  {
    validator: (rule, value, done) =>
      done(/[A-Za-z]/.test(value || '') && /\d/.test(value || '') ? undefined : new Error('密码须同时包含字母和数字')),
    trigger: 'blur',
  },
]
