# lb_target_warnings(target): the house warning set (STYLE.md, "Build and tests").
function(lb_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
    -Wvla -fno-common)
  if(LB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
