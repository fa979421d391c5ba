# cmake -DCOMPILER= -DLANG= -DFLAGS= -DINCLUDE= -DSOURCE= -DOUT= -P check_module.cmake
# Builds SOURCE into a hidden-visibility module and checks that exactly the plugin entry
# points are exported, unmangled.
execute_process(
  COMMAND ${COMPILER} ${FLAGS} -I${INCLUDE} -fPIC -fvisibility=hidden -shared
    -Wl,--no-undefined -x ${LANG} ${SOURCE} -o ${OUT}
  RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} did not compile as ${LANG}:\n${out}${err}")
endif()
execute_process(COMMAND nm -D --defined-only ${OUT} RESULT_VARIABLE rc OUTPUT_VARIABLE syms)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm -D ${OUT} failed")
endif()
foreach(sym lb_plugin_magic_v1 lb_plugin_bind_v1 lb_plugin_init)
  if(NOT syms MATCHES "T ${sym}\n")
    message(FATAL_ERROR "${OUT} (${LANG}) does not export ${sym}; exported:\n${syms}")
  endif()
endforeach()
if(syms MATCHES "lb__host")
  message(FATAL_ERROR "${OUT} (${LANG}) exports lb__host; it must stay hidden:\n${syms}")
endif()
